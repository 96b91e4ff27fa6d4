"""Key rotation: re-encrypt every sealed value under the current key (``haven-protection-rotate``).

Add the new key to PROTECTION_KEYS, make it PROTECTION_KEY_ID, restart the service (it opens values under any
listed key and seals new ones under the current one), run this command, then remove the old key. Rows are
re-sealed in batches, each batch in its own transaction, locked as it is read."""
import argparse
import sys

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from haven_kernel import dialect

from .models import Case, CaseAction, FollowUp, Referral

SEALED = ((Case, ("person_sealed", "narrative_sealed")), (CaseAction, ("note_sealed",)),
          (Referral, ("override_reason_sealed",)), (FollowUp, ("close_reason_sealed",)))


def rotate(session_factory, keys, batch=200):
    """Re-seal every value not under ``keys.current``; returns ``{table: values re-sealed}``."""
    from .views import where
    done = {}
    for model, columns in SEALED:
        count, last = 0, ""
        while True:
            with session_factory() as session, session.begin():
                query = dialect.for_update(session, select(model).where(model.id > last)
                                           .order_by(model.id).limit(batch))
                rows = list(session.execute(query).scalars())
                for row in rows:
                    for column in columns:
                        stored = getattr(row, column)
                        if not keys.is_current(stored):
                            setattr(row, column, keys.seal(keys.open(stored, where(row, column)),
                                                           where(row, column)))
                            count += 1
            if len(rows) < batch:
                break
            last = rows[-1].id
        done[model.__tablename__] = count
    return done


def main(argv=None):
    from haven_kernel.cli import database_url_for
    from haven_kernel.db.engine import make_engine

    from .crypto import keyring_from_config
    parser = argparse.ArgumentParser(prog="haven-protection-rotate", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="the protection database (default PROTECTION_DATABASE_URL)")
    args = parser.parse_args(argv)
    keys = keyring_from_config({})  # PROTECTION_KEYS / PROTECTION_KEY_ID from the environment
    engine = make_engine(args.url or database_url_for("protection"))
    done = rotate(sessionmaker(engine), keys)
    print("re-sealed under key {!r}: {}".format(keys.current, ", ".join(f"{t} {n}" for t, n in done.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
