"""``python -m bench`` (what ``make bench`` runs); see bench/run.py."""
import eventlet

eventlet.monkey_patch()  # noqa: E402  the partner clients are nameko standalone proxies on eventlet

import sys  # noqa: E402

from psycogreen.eventlet import patch_psycopg  # noqa: E402

patch_psycopg()

from .run import main  # noqa: E402

sys.exit(main())
