"""Small helpers for tests that drive the licensing API."""

from __future__ import annotations

from shared.auth.tokens import mint_dev_token


class Ministry:
    """A ministry officer of one country talking to a Flask test client."""

    def __init__(self, client, settings, country: str = "KE"):
        self.client = client
        token = mint_dev_token(settings, "ministry_officer", country=country)
        self.headers = {"Authorization": f"Bearer {token}"}

    def post(self, path: str, body: dict | None = None, **headers: str):
        return self.client.post(path, json=body or {}, headers={**self.headers, **headers})

    def get(self, path: str):
        return self.client.get(path, headers=self.headers)

    def register(
        self, number: str = "C.1/2020", country: str = "KE", name: str = "Acme Manpower"
    ) -> str:
        response = self.post(
            "/v1/recruiters",
            {"legal_name": name, "country": country, "registration_number": number},
        )
        assert response.status_code == 201, response.json
        return response.json["recruiter_id"]

    def licensed(
        self,
        number: str = "C.1/2020",
        licence_number: str = "RA/1",
        valid_until: str = "2028-12-31",
    ) -> tuple[str, str]:
        recruiter_id = self.register(number)
        applied = self.post(
            "/v1/licences", {"recruiter_id": recruiter_id, "licence_number": licence_number}
        )
        assert applied.status_code == 201, applied.json
        licence_id = applied.json["licence_id"]
        issued = self.post(
            f"/v1/licences/{licence_id}/issue",
            {
                "valid_from": "2020-01-01",
                "valid_until": valid_until,
                "effective_at": "2020-01-01T00:00:00Z",
            },
        )
        assert issued.status_code == 200, issued.json
        return recruiter_id, licence_id


def stored_events(parts) -> int:
    """Every event in the service's store, published or not."""
    store = parts.events
    if hasattr(store, "file"):
        return store.file.query("SELECT COUNT(*) AS n FROM events")[0]["n"]
    return sum(len(commit["events"]) for commit in store._commits.find({}, {"events": 1}))
