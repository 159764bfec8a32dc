"""What every page's template may read."""

from kefu.timeutil import local_now


def clock(request) -> dict:
    """kefu's clock (which a demo or a test may set): pages count durations on from it, not the browser's."""
    return {"clock_now": local_now()}
