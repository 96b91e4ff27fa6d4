from haven_kernel.migrations import run_env
from haven_health.models import Base

run_env(Base.metadata)
