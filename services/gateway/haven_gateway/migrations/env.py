from haven_kernel.migrations import run_env
from haven_gateway.models import Base

run_env(Base.metadata)
