from haven_kernel.db import FieldSyncBase
from haven_kernel.migrations import run_env
from haven_registration.models import Base

run_env(Base.metadata, FieldSyncBase.metadata)
