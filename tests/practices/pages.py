"""Reading the practice pages the way a reader sees them (shared by the list tests)."""

import re


def listed(response) -> list[str]:
    """Titles of the cards on the page, in order (read from the HTML)."""
    return re.findall(
        r'class="practice-card-title"><a href="[^"]+">([^<]+)</a>', response.content.decode()
    )
