"""Results that quote a received table name or id stay valid JSON when it holds a lone surrogate."""


def test_lone_surrogate_table_rejected(http, login_as):
    _, token = login_as("sales")
    body = (b'{"device": "d-1", "cursor": 0, "changes": [{"table": "\\udfffx", "id": "\\ud800y", "clock": {},'
            b' "dots": {}, "fields": {}, "deleted": false}]}')

    response = http.post("/api/sync", content=body, headers={"Authorization": f"Bearer {token}",
                                                             "Content-Type": "application/json"})

    assert response.status_code == 200
    result = response.json()["results"][0]
    assert result["code"] == "unknown_table"
    assert result["table"] == "\ufffdx"
    assert result["id"] == "\ufffdy"
