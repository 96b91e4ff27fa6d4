"""One real call of every partner RPC method, through the partner client, in an order that makes each meaningful
(a site, units, households, an allocation, a move, a departure, the sitrep).

``play(client, wait)`` returns ``{service: {method: {"call", "reply"}}}``; :func:`normalised` replaces ids and
timestamps by fixed ones (each distinct id by the same example id everywhere), keeps two items of a list, so the
stored examples read well and change only when a shape does. The system test ``tests/system/test_partner_kit.py``
compares a fresh play's shapes with the stored examples, and writes them when ``HAVEN_WRITE_EXAMPLES=1``.
"""
import json
import re
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EXAMPLE_TIME, EXAMPLE_DAY = "2026-11-20T06:00:00+00:00", "2026-11-20"
KEEP_ITEMS = 2


class Recorder:
    def __init__(self, client):
        self.client, self.calls = client, {}

    def __call__(self, service, method, **kwargs):
        reply = getattr(getattr(self.client, service), method)(**kwargs)
        self.calls.setdefault(service, {}).setdefault(method, {"call": kwargs, "reply": reply})
        return reply


def member(given, family, sex, relationship, **facts):
    return {"given_name": given, "family_name": family, "sex": sex, "relationship": relationship, **facts}


def play(client, wait):
    """``wait(predicate, what)`` waits until ``predicate()`` is true (events take a moment to reach shelter and
    reporting)."""
    call = Recorder(client)
    today = date.today().isoformat()
    site = call("shelter", "create_site", site={
        "name": "Mandruzi", "site_type": "planned_camp", "adm1": "Sofala", "adm2": "Dondo", "lat": -19.71,
        "lon": 34.79, "managing_agency": "IOM", "code": "MZ-DON-001"})
    other = client.shelter.create_site(site={"name": "Guara Guara", "site_type": "planned_camp", "adm1": "Sofala",
                                             "adm2": "Buzi", "lat": -19.86, "lon": 34.53, "managing_agency": "IOM"})
    spare = client.shelter.create_site(site={"name": "Escola 25 de Junho", "site_type": "collective_centre",
                                             "adm1": "Sofala", "adm2": "Beira", "lat": -19.83, "lon": 34.85,
                                             "managing_agency": "IOM"})
    site_id = site["site_id"]
    call("shelter", "update_site", site_id=site_id, changes={"area_m2": 52000})
    units = call("shelter", "add_shelter_units", site_id=site_id, units=[
        {"unit_type": "family_tent", "covered_area_m2": 17.5, "count": 3}])["units"]
    client.shelter.add_shelter_units(site_id=other["site_id"], units=[{"unit_type": "family_tent",
                                                                        "covered_area_m2": 17.5}])
    call("shelter", "set_unit_status", unit_id=units[1]["unit_id"], status="available")
    call("shelter", "record_site_services", site_id=site_id, services={
        "latrines": 12, "latrines_female": 6, "water_taps": 4, "water_litres_per_day": 30000, "phase": "emergency",
        "as_of": today})
    household = call("registration", "register_household", household={
        "site_id": site_id, "origin": {"adm1": "Sofala", "adm2": "Buzi"}, "displacement_date": today,
        "consent": True, "members": [member("Amélia", "Manuel", "female", "head", age_years=34),
                    member("João", "Manuel", "male", "child", date_of_birth="2019-03-02")]})
    household_id = household["household_id"]
    batch = call("registration", "register_households", households=[
        {"site_id": site_id, "consent": True, "members": [member("Rosa", "Tembe", "female", "head", age_years=51)]},
        {"site_id": site_id, "consent": True, "members": [member("Ana", "Chissano", "female", "spouse", age_years=20)]}])
    second_id = batch[0]["household_id"]
    call("registration", "get_household", household_id=household_id)
    call("registration", "search_households", site_id=site_id, name="manuel")
    call("registration", "update_household", household_id=household_id,
         changes={"phone": "+258 84 123 4567", "consent": True})
    call("shelter", "get_site", site_id=site_id)
    call("shelter", "list_sites", status="open", adm1="Sofala")
    wait(lambda: _known(client, household_id) and _known(client, second_id), "shelter has the households")
    placed = call("shelter", "get_allocation", household_id=household_id)
    free = [u for u in client.shelter.list_units(site_id=site_id) if u["household_id"] is None]
    assert placed["status"] == "allocated" and free, (placed, free)  # three units, two households
    call("shelter", "allocate_shelter", household_id=household_id, unit_id=free[0]["unit_id"])
    call("shelter", "list_units", site_id=site_id)
    call("shelter", "get_allocation_history", household_id=household_id)
    call("shelter", "list_waitlist", site_id=site_id)
    call("registration", "relocate_household", household_id=second_id, to_site_id=other["site_id"])
    call("registration", "record_departure", household_id=household_id, reason="returned_home", date=today)
    call("shelter", "close_site", site_id=spare["site_id"], reason="The school reopens.")
    call("shelter", "reopen_site", site_id=spare["site_id"])
    wait(lambda: _sitrep_has(client, site_id, other["site_id"]), "reporting has the move and the departure")
    call("reporting", "get_sitrep", adm1="Sofala")
    call("reporting", "get_site_profile", site_id=site_id)
    call("reporting", "get_3w")
    call("reporting", "export_hxl", table="sites")
    call("reporting", "rebuild")
    # The kernel's sharing methods, the same in every service: played on registration (haven_kernel/examples.json).
    call("registration", "grant_sharing", partner_org="NRC", note="joint registration at Mandruzi", access="read")
    call("registration", "list_sharing")
    call("registration", "revoke_sharing", partner_org="NRC")
    # A phone's batch collected offline yesterday, the second item a resend of the first (its key): one household.
    collected = {"collected_at": f"{(date.today() - timedelta(days=1)).isoformat()}T09:30:00+02:00",
                 "place": {"lat": -19.71, "lon": 34.79, "accuracy_m": 8.0, "pcode": "MZ0705"},
                 "enumerator_id": "ENUM-0042", "device_id": "collect:Hx83kd0Qz"}
    form = {"site_id": site_id, "consent": True, "provenance": collected,
            "members": [member("Lúcia", "Bila", "female", "head", age_years=29)]}
    call("registration", "sync_households", items=[{"key": "uuid:6b1f0c1e-kobo-0001", "record": form},
                                                   {"key": "uuid:6b1f0c1e-kobo-0001", "record": form}])
    return call.calls


def play_protection(iom, unhcr, site_id, wait):
    """Protection's methods, for a case worked by IOM (``iom``: its caseworker ``caseworker-1``, also a manager with
    the consent override) and shared with UNHCR (``unhcr``: a manager), and the follow-ups registration's protection
    needs open at ``site_id``. Placeholder people only: the examples are published."""
    call = Recorder(iom)
    answer = Recorder(unhcr)
    today = date.today().isoformat()
    iom.registration.register_household(household={"site_id": site_id, "consent": True, "members": [
        member("Example", "Person", "female", "head", age_years=30, specific_needs=["CR-CP"]),
        member("Example", "Child", "male", "child", age_years=9, specific_needs=["SC-UC"])]})
    case = {"case_type": "child_protection", "risk": "high", "uasc_status": "unaccompanied", "site_id": site_id,
            "person": {"name": "Example Child", "sex": "male", "age_years": 9,
                       "identifying_details": "(placeholder identifying details)"},
            "concerns": ["family_separation"], "specific_needs": ["SC-UC"], "caseworker": "caseworker-1",
            "narrative": "(placeholder narrative)"}
    case_id = call("protection", "open_case", case=case)["case_id"]  # writes reply with acknowledgements
    version = call("protection", "get_case", case_id=case_id)["version"]
    call("protection", "list_cases", site_id=site_id, case_type="child_protection")
    version = call("protection", "update_case", case_id=case_id, changes={"risk": "medium"},
                   expected_version=version)["version"]
    version = call("protection", "change_status", case_id=case_id, status="assessment", date=today,
                   expected_version=version)["version"]
    for kind in ("services", "share"):
        version = call("protection", "record_consent", case_id=case_id, expected_version=version,
                       consent={"kind": kind, "given": True, "date": today})["version"]
    version = call("protection", "record_action", case_id=case_id, expected_version=version, action={
        "kind": "service", "service_type": "mental_health_psychosocial", "provider_org": "UNICEF",
        "due_on": today, "note": "(placeholder note)"})["version"]
    version = call("protection", "assign_case", case_id=case_id, caseworker="caseworker-1",
                   expected_version=version)["version"]
    referral = call("protection", "refer_case", case_id=case_id, referral={"to_org": "UNHCR",
                                                                           "service_type": "legal"},
                    expected_version=version)
    answer("protection", "list_incoming")
    accepted = answer("protection", "answer_referral", referral_id=referral["referral_id"], accept=True,
                      caseworker="caseworker-2", expected_version=referral["version"])
    call("protection", "revoke_referral", referral_id=referral["referral_id"], expected_version=accepted["version"])
    transfer = call("protection", "transfer_case", case_id=case_id, to_org="UNHCR", expected_version=version)
    answer("protection", "answer_transfer", transfer_id=transfer["transfer_id"], accept=False,
           expected_version=transfer["version"])
    call("protection", "read_access_log", case_id=case_id)
    wait(lambda: len(iom.protection.list_follow_ups(site_id=site_id)["items"]) >= 2,
         "protection has the household's follow-ups")
    first, second = call("protection", "list_follow_ups", site_id=site_id)["items"][:2]
    call("protection", "convert_follow_up", follow_up_id=first["follow_up_id"], case={
        **case, "person": {"name": "Example Person", "sex": "female", "age_years": 30}, "specific_needs": [],
        "uasc_status": None, "concerns": []}, expected_version=first["version"])
    call("protection", "close_follow_up", follow_up_id=second["follow_up_id"], reason="(placeholder reason)",
         expected_version=second["version"])
    for service, methods in answer.calls.items():
        for name, found in methods.items():
            call.calls.setdefault(service, {}).setdefault(name, found)
    return call.calls


def play_health(client, site_id):
    """Health's methods at ``site_id``: two facilities, last epi-week's reports, a signal, an alert, a referral."""
    call = Recorder(client)
    year, week, _ = (date.today() - timedelta(days=7)).isocalendar()
    week = f"{year}-W{week:02d}"
    post = call("health", "register_facility", facility={
        "code": "HF-MDZ-01", "name": "Mandruzi health post", "facility_type": "health_centre_without_beds",
        "site_id": site_id})["facility_id"]
    hospital = client.health.register_facility(facility={
        "code": "HF-MDZ-02", "name": "Mandruzi field hospital", "facility_type": "field_hospital",
        "site_id": site_id})["facility_id"]
    call("health", "update_facility", facility_id=hospital, changes={"beds_total": 40, "beds_available": 12},
         expected_version=1)
    call("health", "get_facility", facility_id=post)
    call("health", "list_facilities", site_id=site_id)
    by_age = {"under_five": 3, "five_and_over": 9}
    report = {"facility_id": post, "week": week, "consultations": {"female": by_age, "male": by_age},
              "cases": {"acute_watery_diarrhoea": {"under_five": 1, "five_and_over": 2}},
              "deaths": {"under_five": 0, "five_and_over": 0}}
    call("health", "submit_weekly_report", report=report)
    call("health", "submit_weekly_reports", reports=[{**report, "facility_id": hospital}])
    call("health", "get_weekly_report", facility_id=post, week=week)
    call("health", "get_completeness", week=week)
    call("health", "get_place_week", facility_id=post, week=week)
    call("health", "report_signal", signal={
        "facility_id": post, "syndrome": "acute_watery_diarrhoea", "onset_date": date.today().isoformat(),
        "age_years": 30, "sex": "female", "outcome": "alive"})
    alert_id = call("health", "raise_alert", alert={"facility_id": post, "week": week,
                                                     "syndrome": "suspected_measles"})["alert_id"]
    call("health", "move_alert", step={"alert_id": alert_id, "action": "verify", "outcome": "confirmed"},
         expected_version=1)
    call("health", "get_alert", alert_id=alert_id)
    call("health", "list_alerts", week=week)
    call("health", "get_alert_kpis", week=week)
    call("health", "get_rules")
    call("health", "get_denominators", site_id=site_id)
    referral = call("health", "refer", referral={"from_facility_id": post, "to_facility_id": hospital,
                                                 "reason": "medical", "urgency": "urgent"})
    call("health", "move_referral", referral={"referral_id": referral["referral_id"], "status": "accepted"},
         expected_version=referral["version"])
    call("health", "get_referral_counts")
    return call.calls


def play_logistics(client, site_id, wait):
    """Logistics' methods: a donation at a central warehouse, a request and waybills to Mandruzi's store (one
    received short, one cancelled, one returned), an adjustment and a count, a kit round for its households."""
    call = Recorder(client)
    today, item = date.today().isoformat(), "KIT-SHELTER"
    call("logistics", "list_items")
    call("logistics", "get_item", code=item)
    call("logistics", "put_item", item={
        "code": "SOAP-BAR", "name": "Soap bar 250 g", "unit": "piece", "category": "WASH", "weight_kg": 0.25,
        "volume_m3": 0.0003, "rule": "per_persons", "rule_quantity": 1, "rule_persons": 1})
    central = call("logistics", "create_warehouse", warehouse={
        "code": "BEIRA-CW", "name": "Central warehouse, Beira", "adm1": "Sofala", "adm2": "Beira", "lat": -19.83,
        "lon": 34.84, "capacity_m3": 4000.0})["warehouse_id"]
    store = client.logistics.create_warehouse(warehouse={
        "code": "MZ-STORE", "name": "Mandruzi store", "adm1": "Sofala", "adm2": "Dondo", "site_id": site_id,
        "capacity_m3": 60.0})["warehouse_id"]
    call("logistics", "list_warehouses", site_id=site_id)
    call("logistics", "get_warehouse", warehouse_id=store)
    call("logistics", "set_stock_level", level={"warehouse_id": store, "item_code": item, "reorder_level": 5,
                                                "lead_time_weeks": 2.0})
    call("logistics", "receive_stock", receipt={
        "warehouse_id": central, "kind": "donation", "from_org": "ECHO", "reference": "ECHO-001",
        "received_on": today, "lines": [{"item_code": item, "quantity": 60, "lot": "ECHO-1"}]})
    request_id = call("logistics", "create_request", request={
        "site_id": site_id, "warehouse_id": store, "priority": "urgent", "needed_by": today,
        "lines": [{"item_code": item, "quantity": 20}]})["request_id"]
    lines = [{"item_code": item, "quantity": 20}]
    waybill = {"from_warehouse_id": central, "to_warehouse_id": store, "transporter": "WFP", "vehicle": "MZ-TRUCK-1"}
    sent = call("logistics", "create_waybill", waybill={**waybill, "request_id": request_id, "lines": lines})
    call("logistics", "get_waybill", waybill_id=sent["waybill_id"])
    call("logistics", "dispatch_waybill", waybill_id=sent["waybill_id"])
    call("logistics", "receive_waybill", waybill_id=sent["waybill_id"],
         receipt={"lines": [{"item_code": item, "quantity": 19}]})
    call("logistics", "get_request", request_id=request_id)
    draft = client.logistics.create_waybill(waybill={**waybill, "lines": lines})["waybill_id"]
    call("logistics", "cancel_waybill", waybill_id=draft)
    back = client.logistics.create_waybill(waybill={**waybill, "lines": lines})["waybill_id"]
    client.logistics.dispatch_waybill(waybill_id=back)
    call("logistics", "return_waybill", waybill_id=back)
    lot = call("logistics", "stock_on_hand", warehouse_id=store, item_code=item)["items"][0]["lots"][0]
    call("logistics", "adjust_stock", adjustment={"warehouse_id": store, "item_code": item, "reason": "damaged",
                                                  "quantity": 1, "line_id": lot["line_id"],
                                                  "note": "torn in the rain"})
    lot = client.logistics.stock_on_hand(warehouse_id=store, item_code=item)["items"][0]["lots"][0]
    call("logistics", "record_count", count={"warehouse_id": store, "counted_on": today,
                                             "lines": [{"line_id": lot["line_id"], "counted": lot["quantity"] - 1}]})
    call("logistics", "stock_card", warehouse_id=store, item_code=item)
    call("logistics", "pipeline", warehouse_id=store)
    round_id = call("logistics", "create_round", round={
        "site_id": site_id, "warehouse_id": store, "item_code": item, "rule": "per_household", "rule_quantity": 1,
        "starts_on": today, "ends_on": today})["round_id"]
    households = [client.registration.register_household(household={"site_id": site_id, "consent": True, "members": [
        member("Example", f"Household {n}", "female", "head", age_years=40)]})["household_id"] for n in (1, 2)]
    batch = [{"round_id": round_id, "household_id": households[0], "distributed_on": today}]
    wait(lambda: "distribution_id" in _distributed(client, batch), "logistics has heard of the household")
    call.calls["logistics"]["record_distributions"] = {"call": {"distributions": batch}, "reply": _last[0]}
    wait(lambda: _recorded(call, round_id, households[1], today), "logistics has heard of the second household")
    field = client.registration.register_household(household={"site_id": site_id, "consent": True, "members": [
        member("Example", "Household 3", "female", "head", age_years=38)]})["household_id"]
    items = [{"key": f"uuid:{uuid.uuid4()}", "record": {"round_id": round_id, "household_id": field, "provenance": {
        "collected_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "place": {"lat": -19.71, "lon": 34.79, "accuracy_m": 6.0, "site_id": site_id},
        "enumerator_id": "ENUM-0042", "device_id": "collect:Hx83kd0Qz"}}}]
    wait(lambda: _synced(client, items)[0]["outcome"] == "created", "logistics has heard of the third household")
    call.calls["logistics"]["sync_distributions"] = {"call": {"items": items}, "reply": _last[0]}
    call("logistics", "get_round", round_id=round_id)
    return call.calls


_last = [None]


def _distributed(client, batch):
    """The first result of ``record_distributions(batch)`` (kept in ``_last``: the example's reply)."""
    _last[0] = client.logistics.record_distributions(distributions=batch)
    return _last[0][0]


def _synced(client, items):
    """``sync_distributions(items)`` (kept in ``_last``): "unavailable" until logistics has heard of the household,
    and nothing kept, so the same batch is sent again."""
    _last[0] = client.logistics.sync_distributions(items=items)
    return _last[0]


def _recorded(call, round_id, household_id, today):
    from haven_client import ServiceUnavailable
    try:
        call("logistics", "record_distribution", distribution={"round_id": round_id, "household_id": household_id,
                                                               "distributed_on": today})
        return True
    except ServiceUnavailable:  # logistics has not heard of the household yet: the same call succeeds later
        return False


def _known(client, household_id):
    from haven_client import NotFound
    try:
        client.shelter.get_allocation(household_id=household_id)
        return True
    except NotFound:
        return False


def _sitrep_has(client, site_id, other_id):
    """Reporting has applied the move and the departure: no household left at ``site_id``, one at ``other_id``."""
    rows = {row["site_id"]: row for row in client.reporting.get_sitrep().get("sites", ())}
    return site_id in rows and rows[site_id]["households"] == 0 and rows.get(other_id, {}).get("households") == 1


def normalised(calls):
    ids = {}

    def fix(value):
        if isinstance(value, dict):
            return {k: fix(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value[:KEEP_ITEMS]]
        if isinstance(value, str):
            if TIMESTAMP.match(value):
                return EXAMPLE_TIME
            return UUID.sub(lambda m: ids.setdefault(m.group(0), _example_id(len(ids))), value)
        return value

    return {service: {name: {"call": fix(found["call"]), "reply": fix(found["reply"])}
                      for name, found in methods.items()} for service, methods in calls.items()}


def _example_id(index):
    from uuid import UUID as Uuid
    return str(Uuid(int=0x3F2B8C1E6D4A4E0B9A512C7D9E8F1A00 + index))


KERNEL_METHODS = ("grant_sharing", "revoke_sharing", "list_sharing")  # haven_kernel.sharing_api


def examples_path(root, service):
    if service == "kernel":
        return Path(root) / "shared" / "kernel" / "haven_kernel" / "examples.json"
    return Path(root) / "services" / service / f"haven_{service}" / "examples.json"


def examples_package(service, method):
    """The package whose examples.json documents ``service.method`` (the kernel's, for the sharing methods)."""
    return "haven_kernel" if method in KERNEL_METHODS else f"haven_{service}"


def write(root, calls):
    files = {}
    for service, methods in normalised(calls).items():
        for name, found in methods.items():
            files.setdefault("kernel" if name in KERNEL_METHODS else service, {})[name] = found
    for owner, methods in files.items():
        examples_path(root, owner).write_text(json.dumps(methods, indent=2, ensure_ascii=False) + "\n")
