"""The watch API: each route turns HTTP into a typed command or question for the handlers.
Every route needs an employer's token; what it names must belong to the token's org."""

from __future__ import annotations

from flask import Blueprint, Response, g, json, request
from werkzeug.routing import BaseConverter

from services.watch import commands as c
from services.watch import handlers, schemas
from services.watch.handlers import Watch
from shared.http.auth import requires
from shared.http.bodies import json_body, query_args, raw_body
from shared.http.openapi import documented
from shared.http.problems import Problem

EMPLOYER = ["employer"]
# The header names recruiter_id, or licence_number (with country), as a column of its own.
HEADER = r'^\ufeff?([^\r\n,"]*,)*[ \t]*(recruiter_id|licence_number)[ \t]*(,[^\r\n"]*)?(\r?\n|$)'
CSV = (
    "text/csv",
    {"type": "string", "pattern": HEADER, "description": "a header line, then up to 10,000 rows"},
)


def answer(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def blueprint(watch: Watch) -> Blueprint:
    routes = Blueprint("watch", __name__)
    # An entry id is never "import": DELETE .../entries/import is not a route.
    routes.record_once(lambda state: state.app.url_map.converters.update(entry=EntryId))

    def org() -> str:
        return g.principal.org

    def send(command: object, status: int = 200) -> Response:
        return answer(handlers.handle(command, watch), status)

    @routes.post("/v1/watchlists")
    @documented(
        "Create a watch-list",
        body=schemas.CreateWatchlist(),
        response=schemas.WatchlistOut(),
        status=201,
        roles=EMPLOYER,
        errors=[503],
    )
    @requires(*EMPLOYER)
    def create_watchlist():
        return send(c.CreateWatchlist(org(), **json_body(schemas.CreateWatchlist())), 201)

    @routes.get("/v1/watchlists/<watchlist_id>")
    @documented(
        "A watch-list: its entries with their current verdicts, and its subscriptions",
        query=schemas.Page(),
        response=schemas.WatchlistShown(),
        roles=EMPLOYER,
        errors=[404, 503],
    )
    @requires(*EMPLOYER)
    def show_watchlist(watchlist_id: str):
        page = query_args(schemas.Page())
        return answer(handlers.show_watchlist(watch, org(), watchlist_id, **page))

    @routes.post("/v1/watchlists/<watchlist_id>/entries")
    @documented(
        "Watch a recruiter, by id or by country and licence number",
        body=schemas.AddEntry(),
        response=schemas.EntryAdded(),
        status=201,
        roles=EMPLOYER,
        errors=[404, 409, 503],
    )
    @requires(*EMPLOYER)
    def add_entry(watchlist_id: str):
        return send(c.AddEntry(org(), watchlist_id, **json_body(schemas.AddEntry())), 201)

    @routes.delete("/v1/watchlists/<watchlist_id>/entries/<entry:entry_id>")
    @documented("Stop watching a recruiter", status=204, roles=EMPLOYER, errors=[404, 503])
    @requires(*EMPLOYER)
    def remove_entry(watchlist_id: str, entry_id: str):
        handlers.handle(c.RemoveEntry(org(), watchlist_id, entry_id), watch)
        return Response(status=204)

    @routes.post("/v1/watchlists/<watchlist_id>/entries/import")
    @documented(
        "Watch the recruiters of a CSV file; each row answered: taken, or why not",
        raw_body=CSV,
        response=schemas.ImportOut(),
        roles=EMPLOYER,
        errors=[404, 503],
    )
    @requires(*EMPLOYER)
    def import_entries(watchlist_id: str):
        return send(c.ImportEntries(org(), watchlist_id, csv_body()))

    @routes.get("/v1/watchlists/<watchlist_id>/changes")
    @documented(
        "The status changes of the watched recruiters, in order, from a cursor",
        query=schemas.After(),
        response=schemas.Changes(),
        roles=EMPLOYER,
        errors=[404, 503],
    )
    @requires(*EMPLOYER)
    def list_changes(watchlist_id: str):
        cursor = query_args(schemas.After())
        return answer(handlers.changes(watch, org(), watchlist_id, **cursor))

    @routes.post("/v1/watchlists/<watchlist_id>/subscriptions")
    @documented(
        "Subscribe a webhook to the watch-list's changes; the secret is shown this once",
        body=schemas.Subscribe(),
        response=schemas.SubscriptionWithSecret(),
        status=201,
        roles=EMPLOYER,
        errors=[404, 503],
    )
    @requires(*EMPLOYER)
    def subscribe(watchlist_id: str):
        return send(c.Subscribe(org(), watchlist_id, **json_body(schemas.Subscribe())), 201)

    @routes.post("/v1/subscriptions/<subscription_id>/rotate-secret")
    @documented(
        "A new signing secret, shown this once; the old one signs beside it for 24 hours",
        response=schemas.SubscriptionWithSecret(),
        roles=EMPLOYER,
        errors=[404, 409, 503],
    )
    @requires(*EMPLOYER)
    def rotate_secret(subscription_id: str):
        return send(c.RotateSecret(org(), subscription_id))

    @routes.get("/v1/subscriptions/<subscription_id>/deliveries")
    @documented(
        "The subscription's deliveries and their attempts, in order, from a cursor",
        query=schemas.After(),
        response=schemas.Deliveries(),
        roles=EMPLOYER,
        errors=[404, 503],
    )
    @requires(*EMPLOYER)
    def list_deliveries(subscription_id: str):
        cursor = query_args(schemas.After())
        return answer(handlers.deliveries(watch, org(), subscription_id, **cursor))

    @routes.post("/v1/subscriptions/<subscription_id>/deliveries/<delivery_id>/redeliver")
    @documented(
        "Deliver again, under the same webhook-id",
        response=schemas.Delivery(),
        status=202,
        roles=EMPLOYER,
        errors=[404, 409, 503],
    )
    @requires(*EMPLOYER)
    def redeliver(subscription_id: str, delivery_id: str):
        return send(c.Redeliver(org(), subscription_id, delivery_id), 202)

    return routes


class EntryId(BaseConverter):
    regex = r"ent-[A-Za-z0-9_-]{1,60}"


def csv_body() -> str:
    if request.mimetype != "text/csv":
        raise Problem(415, "Unsupported media type", "send the file as text/csv")
    try:
        return raw_body().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Problem(400, "Malformed CSV", "the file is not UTF-8 text") from None
