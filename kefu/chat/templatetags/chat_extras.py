from django import template

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """Seconds as 1 小时 5 分 / 3 分 20 秒 / 45 秒, as a supervisor reads a wallboard."""
    if seconds is None or seconds == "":
        return "—"
    s = max(0, int(seconds))
    hours, rest = divmod(s, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} 小时 {minutes} 分"
    if minutes:
        return f"{minutes} 分 {secs} 秒"
    return f"{secs} 秒"
