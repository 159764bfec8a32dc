"""How the API writes JSON: every timestamp at +08:00, in the replies ninja renders and in stored replies."""

import json
from datetime import datetime
from typing import Annotated, Any

from django.utils import timezone
from ninja import Path
from ninja.responses import NinjaJSONEncoder

MAX_ID = 2**63 - 1  # the largest key a BigAutoField holds, on SQLite and PostgreSQL


class LocalTimeEncoder(NinjaJSONEncoder):
    """Every timestamp a reply carries in one zone: ISO 8601 at +08:00 (settings.TIME_ZONE, Asia/Shanghai), whether
    it was read from the database (UTC) or computed in local time."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime) and timezone.is_aware(o):
            o = timezone.localtime(o)
        return super().default(o)


def to_json(data: Any) -> Any:
    """`data` as the API would send it (datetimes at +08:00): for replies stored to be replayed (idempotency)."""
    return json.loads(json.dumps(data, cls=LocalTimeEncoder))


# A path parameter naming a row by its key: a positive integer a database column can hold (a larger one would be a
# server error on SQLite), else 422.
ObjectId = Annotated[int, Path(..., ge=1, le=MAX_ID, description="编号（正整数）")]
