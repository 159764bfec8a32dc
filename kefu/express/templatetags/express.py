"""Template filters for the express pages."""

import re

from django import template

register = template.Library()

SEED_FILE = re.compile(r"(\d{3})_[0-9a-f]{16}\.txt\s*")


@register.filter
def seed_ref(source: str) -> str:
    """'004_4ea5f35392de9aaf.txt 第二节 一 3' → '规范 004 第二节 一 3': agents read the section, not the file name."""
    return SEED_FILE.sub(lambda m: f"规范 {m.group(1)} ", source or "").strip()


@register.filter
def when(moment, fmt: str = "m月d日 H:i"):
    """A time as `fmt`, with the year in front when it is not this year (kefu's clock): 2027年01月05日 09:00."""
    if not moment:
        return "—"
    from django.utils import timezone
    from django.utils.dateformat import format as date_format

    from kefu.timeutil import local_now

    local = timezone.localtime(moment)
    if local.year != local_now().year:
        fmt = ("Y年" if "月" in fmt else "Y-") + fmt
    return date_format(local, fmt)
