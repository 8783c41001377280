"""Drives a running `tandem sandbox` with real client libraries: simple-salesforce for the
emulated Salesforce and the `netsuite` package (TBA, HMAC-SHA256) for the emulated NetSuite.

Reads SANDBOX_SALESFORCE_URL and SANDBOX_NETSUITE_URL (the URLs the sandbox's banner prints).
Every check prints ok/FAIL with its name; the exit status is 1 when any failed.
"""

import asyncio
import json
import os
import sys
import traceback
import warnings

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError

# authlib 1.9 warns on import (with its own "always" filter) that its httpx integration is
# deprecated; the netsuite package still uses it, and the warning is not about the sandbox.
with warnings.catch_warnings(record=True):
    from netsuite import Config, TokenAuth
    from netsuite.exceptions import NetsuiteAPIRequestError
    from netsuite.rest_api import NetSuiteRestApi

SF_URL = os.environ["SANDBOX_SALESFORCE_URL"].rstrip("/")
NS_URL = os.environ["SANDBOX_NETSUITE_URL"].rstrip("/")

# The sandbox's default credentials, as its banner prints them.
SF_CLIENT_ID = "sandbox-salesforce-client"
SF_CLIENT_SECRET = "sandbox-salesforce-secret"
NS_ACCOUNT = "1234567_SB1"
NS_AUTH = TokenAuth(
    consumer_key="sandbox-netsuite-consumer-key",
    consumer_secret="sandbox-netsuite-consumer-secret",
    token_id="sandbox-netsuite-token-id",
    token_secret="sandbox-netsuite-token-secret",
)

failures = []


def check(name, condition, detail=""):
    print(("ok    " if condition else "FAIL  ") + name + ("" if condition else f"  -- {detail}"))
    if not condition:
        failures.append(name)


def step(name, run):
    """Runs one check; an exception is that check's failure, not the end of the run."""
    try:
        run()
    except Exception as error:  # noqa: BLE001 - every failure is reported by name
        check(name, False, f"{type(error).__name__}: {error}")


def salesforce_error(call):
    """The (status, errorCode) a refused simple-salesforce call raised, or None."""
    try:
        call()
    except SalesforceError as error:
        body = error.content
        code = body[0].get("errorCode") if isinstance(body, list) and body else body
        return error.status, code
    return None


# --- Salesforce -------------------------------------------------------------------------------


class SandboxSession(requests.Session):
    """simple-salesforce always builds https:// URLs; the sandbox serves plain http locally."""

    def request(self, method, url, *args, **kwargs):
        return super().request(method, url.replace("https://", "http://", 1), *args, **kwargs)


def salesforce():
    token = requests.post(
        f"{SF_URL}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": SF_CLIENT_ID,
            "client_secret": SF_CLIENT_SECRET,
        },
        timeout=10,
    ).json()
    return Salesforce(
        instance_url=token["instance_url"],
        session_id=token["access_token"],
        session=SandboxSession(),
        version="67.0",
    )


def salesforce_checks(sf):
    state = {}

    def create():
        result = sf.Account.create({"Name": "Smoke Test Co"})
        state["id"] = result["id"]
        check("salesforce create", result["success"] and result["id"].startswith("001"), result)

    def read():
        record = sf.Account.get(state["id"])
        check("salesforce read", record["Name"] == "Smoke Test Co", record)

    def update():
        status = sf.Account.update(state["id"], {"Phone": "+1 555 0100"})
        phone = sf.Account.get(state["id"])["Phone"]
        check("salesforce update", status == 204 and phone == "+1 555 0100", (status, phone))

    def upsert():
        first = sf.Account.upsert("NetSuite_Id__c/smoke-1", {"Name": "Smoke Upsert"})
        second = sf.Account.upsert("NetSuite_Id__c/smoke-1", {"Name": "Smoke Upsert 2"})
        check("salesforce upsert 201 then 200", (first, second) == (201, 200), (first, second))

    def delete():
        status = sf.Account.delete(state["id"])
        gone = salesforce_error(lambda: sf.Account.get(state["id"]))
        check("salesforce delete", status == 204 and gone == (404, "NOT_FOUND"), (status, gone))

    def collections_create():
        results = sf.restful(
            "composite/sobjects",
            method="POST",
            json={
                "allOrNone": False,
                "records": [
                    {"attributes": {"type": "Account"}, "Name": "Smoke Many 1"},
                    {"attributes": {"type": "Account"}, "Name": "Smoke Many 2"},
                ],
            },
        )
        state["many"] = [r["id"] for r in results]
        check("salesforce collections create", all(r["success"] for r in results), results)

    def collections_upsert():
        body = {"allOrNone": True, "records": [
            {"attributes": {"type": "Account"}, "NetSuite_Id__c": "smoke-1", "Name": "Smoke Upsert 3"},
            {"attributes": {"type": "Account"}, "NetSuite_Id__c": "smoke-2", "Name": "Smoke Upsert 4"},
        ]}
        results = sf.restful("composite/sobjects/Account/NetSuite_Id__c", method="PATCH", json=body)
        created = [r["created"] for r in results]
        check("salesforce collections upsert", created == [False, True], results)

    def collections_delete():
        results = sf.restful("composite/sobjects", method="DELETE", params={"ids": ",".join(state["many"])})
        check("salesforce collections delete", all(r["success"] for r in results), results)

    def composite():
        version = "/services/data/v67.0"
        answer = sf.restful("composite", method="POST", json={"allOrNone": True, "compositeRequest": [
            {"method": "POST", "url": f"{version}/sobjects/Account", "referenceId": "refAccount",
             "body": {"Name": "Smoke Composite"}},
            {"method": "POST", "url": f"{version}/sobjects/Contact", "referenceId": "refContact",
             "body": {"LastName": "Composite", "AccountId": "@{refAccount.id}"}},
        ]})
        codes = [r["httpStatusCode"] for r in answer["compositeResponse"]]
        check("salesforce composite", codes == [201, 201], answer)

    def tree():
        answer = sf.restful("composite/tree/Account", method="POST", json={"records": [{
            "attributes": {"type": "Account", "referenceId": "acct"}, "Name": "Smoke Tree",
            "Contacts": {"records": [{"attributes": {"type": "Contact", "referenceId": "leaf"}, "LastName": "Leaf"}]},
        }]})
        check("salesforce composite tree", not answer["hasErrors"] and len(answer["results"]) == 2, answer)

    def query():
        result = sf.query("SELECT Id, Name FROM Account WHERE Name = 'Smoke Upsert 3'")
        check("salesforce query", result["totalSize"] == 1 and result["done"], result)

    def query_all_paging():
        # The sandbox's own page size, so that a handful of records spans several pages.
        requests.put(f"{SF_URL}/_sandbox/query-page-size", json={"size": 2}, timeout=10).raise_for_status()
        try:
            first = sf.query("SELECT Id FROM Contact")
            every = sf.query_all("SELECT Id FROM Contact")
        finally:
            requests.put(f"{SF_URL}/_sandbox/query-page-size", json={"size": None}, timeout=10)
        ids = {r["Id"] for r in every["records"]}
        check(
            "salesforce query_all follows nextRecordsUrl",
            not first["done"] and len(ids) == every["totalSize"] > 2,
            (first.get("nextRecordsUrl"), every["totalSize"], len(ids)),
        )

    def query_all_deleted():
        result = sf.query_all(f"SELECT Id, IsDeleted FROM Account WHERE Id = '{state['id']}'", include_deleted=True)
        check("salesforce queryAll sees the deleted record", result["records"][0]["IsDeleted"] is True, result)

    def bad_input():
        malformed = salesforce_error(lambda: sf.Account.get("001nonsense"))
        check("salesforce bad id is MALFORMED_ID", malformed == (400, "MALFORMED_ID"), malformed)
        invalid = salesforce_error(lambda: sf.Account.create({"Name": "x", "NoSuchField": 1}))
        check("salesforce unknown field is INVALID_FIELD", invalid == (400, "INVALID_FIELD"), invalid)
        soql = salesforce_error(lambda: sf.query("SELECT Nope FROM Account"))
        check("salesforce bad SOQL is INVALID_FIELD", soql == (400, "INVALID_FIELD"), soql)
        missing = salesforce_error(lambda: sf.Contact.create({"FirstName": "No"}))
        check("salesforce missing field is REQUIRED_FIELD_MISSING", missing == (400, "REQUIRED_FIELD_MISSING"), missing)

    for name, run in [
        ("salesforce create", create), ("salesforce read", read), ("salesforce update", update),
        ("salesforce upsert 201 then 200", upsert), ("salesforce delete", delete),
        ("salesforce collections create", collections_create),
        ("salesforce collections upsert", collections_upsert),
        ("salesforce collections delete", collections_delete),
        ("salesforce composite", composite), ("salesforce composite tree", tree),
        ("salesforce query", query), ("salesforce query_all follows nextRecordsUrl", query_all_paging),
        ("salesforce queryAll sees the deleted record", query_all_deleted),
        ("salesforce bad input", bad_input),
    ]:
        step(name, run)


def salesforce_describe_checks(sf):
    def describe():
        names = {f["name"] for f in sf.Account.describe()["fields"]}
        check("salesforce describe", {"Id", "Name"} <= names, sorted(names)[:10])

    def global_describe():
        names = {o["name"] for o in sf.describe()["sobjects"]}
        check("salesforce global describe", {"Account", "Contact"} <= names, sorted(names)[:10])

    def limits():
        check("salesforce limits", "DailyApiRequests" in sf.limits(), "no DailyApiRequests")

    for name, run in [("salesforce describe", describe), ("salesforce global describe", global_describe),
                      ("salesforce limits", limits)]:
        step(name, run)


# --- NetSuite ---------------------------------------------------------------------------------


class SandboxRestApi(NetSuiteRestApi):
    """The package's REST client, sending to the sandbox instead of <account>.suitetalk.api.netsuite.com."""

    def _make_url(self, subpath):
        return f"{NS_URL}/services/rest{subpath}"


async def netsuite_error(call):
    """The (status, o:errorCode, detail) a refused call raised, or None."""
    try:
        await call
    except NetsuiteAPIRequestError as error:
        body = json.loads(error.response_text)
        detail = body["o:errorDetails"][0]
        return error.status_code, detail["o:errorCode"], detail["detail"]
    return None


async def netsuite_checks(ns):
    async def step_async(name, run):
        try:
            await run()
        except Exception as error:  # noqa: BLE001
            check(name, False, f"{type(error).__name__}: {error}")

    state = {}

    async def listing():
        page = await ns.get("/record/v1/customer")
        check("netsuite list", page["count"] >= 4 and page["items"][0]["id"], page)

    async def filtered():
        page = await ns.get("/record/v1/customer", params={"q": 'companyName START_WITH "Acme"'})
        ids = [item["id"] for item in page["items"]]
        check("netsuite q= filter", ids == ["101"], page)

    async def get():
        customer = await ns.get("/record/v1/customer/101")
        check("netsuite get", customer["companyName"] == "Acme Corporation", customer)

    async def create():
        response = await ns.request("POST", "/record/v1/customer",
                                    json={"companyName": "Smoke NetSuite", "subsidiary": {"id": "1"}})
        location = response.headers.get("location", "")
        state["id"] = location.rsplit("/", 1)[-1]
        check("netsuite create", response.status_code == 204 and state["id"].isdigit(), (response.status_code, location))

    async def upsert():
        await ns.put("/record/v1/customer/eid:SMOKE-EID-1",
                     json={"companyName": "Smoke External", "subsidiary": {"id": "1"}})
        customer = await ns.get("/record/v1/customer/eid:SMOKE-EID-1")
        check("netsuite eid: upsert", customer["companyName"] == "Smoke External", customer)

    async def patch():
        await ns.patch(f"/record/v1/customer/{state['id']}", json={"email": "smoke@netsuite.example"})
        customer = await ns.get(f"/record/v1/customer/{state['id']}")
        check("netsuite patch", customer.get("email") == "smoke@netsuite.example", customer)

    async def suiteql():
        query = "SELECT id, companyname FROM customer ORDER BY id"
        first = await ns.suiteql(query, limit=2, offset=0)
        second = await ns.suiteql(query, limit=2, offset=2)
        rels = {link["rel"] for link in first["links"]}
        check(
            "netsuite suiteql paging",
            first["count"] == 2 and first["hasMore"] and "next" in rels
            and first["totalResults"] >= 5 and second["offset"] == 2
            and first["items"][0]["id"] == "101" and second["items"][0]["id"] != "101",
            (first, second),
        )

    async def expanded():
        order = await ns.get("/record/v1/salesOrder/301", params={"expandSubResources": "true"})
        check("netsuite expandSubResources", len(order["item"]["items"]) >= 1, order.get("item"))

    async def bad_input():
        missing = await netsuite_error(ns.get("/record/v1/customer/999999"))
        check("netsuite unknown record is NONEXISTENT_ID", missing is not None and missing[:2] == (404, "NONEXISTENT_ID"), missing)
        query = await netsuite_error(ns.suiteql("SELECT nope FROM customer"))
        check("netsuite bad SuiteQL is INVALID_PARAMETER 'Invalid search query'",
              query is not None and query[:2] == (400, "INVALID_PARAMETER") and "Invalid search query" in query[2], query)
        order = {"entity": {"id": "101"}, "item": {"items": [{"item": {"id": "9999"}, "amount": 1}]}}
        reference = await netsuite_error(ns.post("/record/v1/salesOrder", json=order))
        check("netsuite unknown item is INVALID_CONTENT naming the field",
              reference is not None and reference[:2] == (400, "INVALID_CONTENT") and "9999" in reference[2], reference)
        undeclared = await netsuite_error(ns.patch("/record/v1/customer/101", json={"custentity_no_such_field": "x"}))
        check("netsuite undeclared custom field is refused naming it",
              undeclared is not None and undeclared[0] == 400 and "custentity_no_such_field" in undeclared[2], undeclared)

    for name, run in [
        ("netsuite list", listing), ("netsuite q= filter", filtered), ("netsuite get", get),
        ("netsuite create", create), ("netsuite eid: upsert", upsert), ("netsuite patch", patch),
        ("netsuite suiteql paging", suiteql), ("netsuite expandSubResources", expanded),
        ("netsuite bad input", bad_input),
    ]:
        await step_async(name, run)

    async def schema():
        document = await ns.jsonschema("customer")
        check("netsuite metadata catalog (JSON Schema)", "companyName" in document.get("properties", {}), list(document)[:10])

    async def swagger():
        document = await ns.openapi(["customer"])
        check("netsuite metadata catalog (swagger)", "paths" in document, list(document)[:10])

    await step_async("netsuite metadata catalog (JSON Schema)", schema)
    await step_async("netsuite metadata catalog (swagger)", swagger)


def main():
    try:
        sf = salesforce()
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        check("salesforce login", False, "no session")
        sf = None
    if sf is not None:
        salesforce_checks(sf)
        salesforce_describe_checks(sf)
    ns = SandboxRestApi(Config(account=NS_ACCOUNT, auth=NS_AUTH))
    asyncio.run(netsuite_checks(ns))
    if failures:
        print(f"{len(failures)} check(s) failed: {', '.join(failures)}")
        sys.exit(1)
    print("all client library checks passed")


if __name__ == "__main__":
    main()
