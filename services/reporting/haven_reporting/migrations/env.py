from haven_kernel.db import WebSessionBase
from haven_kernel.migrations import run_env
from haven_reporting.models import Base

run_env(Base.metadata, WebSessionBase.metadata)
