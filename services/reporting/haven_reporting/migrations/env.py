from haven_kernel.db import WebSessionBase
from haven_kernel.migrations import run_env
from haven_reporting.models import Base
import haven_reporting.health_models  # noqa: F401  (its tables are on Base)
from haven_reporting import logistics_models  # noqa: F401  (its tables on the same metadata)

run_env(Base.metadata, WebSessionBase.metadata)
