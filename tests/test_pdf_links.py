"""Every PDF the user prints opens the same way: inline in the browser's viewer, with a file
name (``pathways.pdf.pdf_response``, checked in each PDF's own test); no link forces a
download instead."""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
PDF_LINK = re.compile(r"<a\b[^>]*\{% url '([\w:]+_?pdf)'[^>]*>", re.S)


def test_pdf_links_open_in_the_browser_and_do_not_force_a_download():
    links = [
        (path.relative_to(TEMPLATES), match.group(0))
        for path in TEMPLATES.rglob("*.html")
        if not path.is_relative_to(TEMPLATES / "pdf")
        for match in PDF_LINK.finditer(path.read_text())
    ]
    assert len(links) >= 8  # plan, revision, ettervern, minutes, invitation, referral, letter, log
    forced = [(str(path), tag) for path, tag in links if re.search(r"\sdownload\b", tag)]
    assert not forced
