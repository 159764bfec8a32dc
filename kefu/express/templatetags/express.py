"""Template filters for the express pages."""

import re

from django import template

register = template.Library()

SEED_FILE = re.compile(r"(\d{3})_[0-9a-f]{16}\.txt\s*")


@register.filter
def seed_ref(source: str) -> str:
    """'004_4ea5f35392de9aaf.txt 第二节 一 3' → '规范 004 第二节 一 3': agents read the section, not the file name."""
    return SEED_FILE.sub(lambda m: f"规范 {m.group(1)} ", source or "").strip()
