# The one image for the web, worker, beat and migrate services of docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var

RUN groupadd --system --gid 1000 pactesur \
    && useradd --system --uid 1000 --gid pactesur --home-dir /app --shell /usr/sbin/nologin pactesur

WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml changes.
COPY pyproject.toml README.md ./
RUN mkdir pactesur && touch pactesur/__init__.py \
    && pip install . \
    && pip uninstall --yes pactesur \
    && rm -rf pactesur build *.egg-info

# The project itself (see .dockerignore), installed in place so templates/, static/ and locale/
# sit next to the code, as they do in a checkout. The .mo files are committed: no gettext here.
COPY . .
RUN pip install --no-deps -e . \
    && python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media \
    && chown -R pactesur:pactesur /app/var

USER pactesur
EXPOSE 8000

CMD ["gunicorn", "pactesur.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
