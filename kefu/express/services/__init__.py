"""Every express write, one module per use case; the names are re-exported here for callers.

Tickets are opened and changed only through kefu.tickets.services, so every step is a ticket event
and every promised time an SLA clock from the SLA rulebook. Decisions come from the pure engine in
kefu.express.rules (seed 004_4ea5f35392de9aaf.txt).
"""

from kefu.express.services.claims import CLAIM_FLOW, claim_advance, claim_file
from kefu.express.services.complaints import complaint_open
from kefu.express.services.data_import import (
    import_file,
    import_job_create,
    import_job_run,
    import_job_start,
    scans_push,
)
from kefu.express.services.follow_ups import sent_not_arrived_follow_up
from kefu.express.services.pickups import (
    courier_for,
    pickup_act,
    pickup_cancel,
    pickup_create,
    pickup_dispatch,
    pickup_picked_up,
    pickup_sweep,
)
from kefu.express.services.problems import problem_advance, problem_report
from kefu.express.services.queries import QueryResult, query_escalate, query_open

__all__ = [
    "CLAIM_FLOW",
    "QueryResult",
    "claim_advance",
    "claim_file",
    "complaint_open",
    "courier_for",
    "import_file",
    "import_job_create",
    "import_job_run",
    "import_job_start",
    "pickup_act",
    "pickup_cancel",
    "pickup_create",
    "pickup_dispatch",
    "pickup_picked_up",
    "pickup_sweep",
    "problem_advance",
    "problem_report",
    "query_escalate",
    "query_open",
    "scans_push",
    "sent_not_arrived_follow_up",
]
