"""The project's WSGI application with the benchmark's URLconf (the project's URLs + the ceiling).

Served by gunicorn as ``bench.wsgi:application``: the same settings module, the same middleware;
only ``ROOT_URLCONF`` changes, so the ceiling view is never part of the project's own URLs.
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pactesur.settings")
settings.ROOT_URLCONF = "bench.urls"

application = get_wsgi_application()
