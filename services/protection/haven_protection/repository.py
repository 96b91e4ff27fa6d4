"""All of the protection service's SQL: queries, row locks (``haven_kernel.dialect.for_update``) and dialect
differences (``haven_kernel.dialect``) live here, nowhere else."""
from sqlalchemy import and_, false, func, or_, select

from haven_kernel import dialect

from .models import AccessLog, Case, CaseAction, FollowUp, Referral, Transfer


def _one(session, model, row_id, lock):
    """The ``model`` row with id ``row_id`` (locked until the transaction ends when ``lock``), or None."""
    query = select(model).where(model.id == row_id)
    if lock:
        query = dialect.for_update(session, query)
    return session.execute(query).scalar_one_or_none()


def case(session, case_id, lock=False):
    return _one(session, Case, case_id, lock)


def referrals_of(session, case_ids):
    """``{case id: [Referral]}`` for the cases named."""
    found = {case_id: [] for case_id in case_ids}
    if case_ids:
        for row in session.execute(select(Referral).where(Referral.case_id.in_(list(case_ids)))
                                   .order_by(Referral.made_at, Referral.id)).scalars():
            found[row.case_id].append(row)
    return found


def visible_cases(session, viewer, site_id=None, case_type=None, status=None, risk=None, limit=50, offset=0):
    """The cases ``viewer`` may see by the rules in domain.standing, narrowed in SQL (the use case checks each
    with the rule itself): their organisation's (all for a manager, assigned ones for a caseworker) and those
    referred to their organisation and accepted (for a caseworker: assigned to them)."""
    if not (viewer.manager or viewer.caseworker):
        return []
    owned = Case.org == viewer.org
    if not viewer.manager:
        owned = and_(owned, Case.caseworker == viewer.sub)
    referred = select(Referral.case_id).where(Referral.to_org == viewer.org, Referral.status == "accepted")
    if not viewer.manager:
        referred = referred.where(Referral.assigned_to == viewer.sub)
    query = select(Case).where(or_(owned, Case.id.in_(referred)))
    for column, value in ((Case.site_id, site_id), (Case.case_type, case_type), (Case.status, status),
                          (Case.risk, risk)):
        if value is not None:
            query = query.where(column == value)
    query = query.order_by(Case.opened_at, Case.id).limit(limit).offset(offset)
    return list(session.execute(query).scalars())


def actions_of(session, case_id):
    return list(session.execute(select(CaseAction).where(CaseAction.case_id == case_id)
                                .order_by(CaseAction.at, CaseAction.id)).scalars())


def transfers_of(session, case_id):
    return list(session.execute(select(Transfer).where(Transfer.case_id == case_id)
                                .order_by(Transfer.made_at, Transfer.id)).scalars())


def referral(session, referral_id, lock=False):
    return _one(session, Referral, referral_id, lock)


def transfer(session, transfer_id, lock=False):
    return _one(session, Transfer, transfer_id, lock)


def pending_transfer(session, case_id):
    return session.execute(select(Transfer).where(Transfer.case_id == case_id, Transfer.status == "pending")
                           ).scalar_one_or_none()


def incoming(session, org, limit, offset):
    """Referrals and transfers waiting for ``org``'s answer."""
    referrals = list(session.execute(select(Referral, Case.case_type, Case.risk)
                                     .join(Case, Case.id == Referral.case_id)
                                     .where(Referral.to_org == org, Referral.status == "pending")
                                     .order_by(Referral.made_at, Referral.id).limit(limit).offset(offset)))
    transfers = list(session.execute(select(Transfer, Case.case_type, Case.risk)
                                     .join(Case, Case.id == Transfer.case_id)
                                     .where(Transfer.to_org == org, Transfer.status == "pending")
                                     .order_by(Transfer.made_at, Transfer.id).limit(limit).offset(offset)))
    return referrals, transfers


def write_log(session, rows):
    """Insert access-log rows (dicts): one statement for a page of list hits."""
    if rows:
        session.execute(AccessLog.__table__.insert(), rows)


def log_of(session, org, case_id=None, limit=50, offset=0):
    """The access log an ``org`` manager reads: what their staff did, and what anyone did to the cases their
    organisation owned at the time."""
    query = select(AccessLog).where(or_(AccessLog.org == org, AccessLog.case_org == org))
    if case_id is not None:
        query = query.where(AccessLog.case_id == case_id)
    query = query.order_by(AccessLog.id).limit(limit).offset(offset)
    return list(session.execute(query).scalars())


def add_follow_up(session, row):
    """Insert a follow-up unless one exists for its (household, need): True when it was new."""
    statement = dialect.insert_or_ignore(session, FollowUp.__table__, ["household_id", "need"]).values(**row)
    return session.execute(statement).rowcount == 1


def follow_up(session, follow_up_id, lock=False):
    return _one(session, FollowUp, follow_up_id, lock)


def follow_ups_of(session, viewer, site_id=None, status=None, limit=50, offset=0):
    """The follow-ups given to ``viewer``'s organisation (the site's focal organisation)."""
    if not (viewer.manager or viewer.caseworker):
        query = select(FollowUp).where(false())
    else:
        query = select(FollowUp).where(FollowUp.org == viewer.org)
    if site_id is not None:
        query = query.where(FollowUp.site_id == site_id)
    if status is not None:
        query = query.where(FollowUp.status == status)
    return list(session.execute(query.order_by(FollowUp.opened_at, FollowUp.id).limit(limit).offset(offset))
                .scalars())


def counts(session):
    """{(case_type, status): cases} and {status: follow-ups}: the service's gauges."""
    cases = dict(((t, s), n) for t, s, n in session.execute(
        select(Case.case_type, Case.status, func.count()).group_by(Case.case_type, Case.status)))
    follow_ups = dict(session.execute(select(FollowUp.status, func.count()).group_by(FollowUp.status)).all())
    return cases, follow_ups
