from tests.conftest import make_statement


async def test_post_then_get_statement(xapi):
    response = await xapi.post("/xapi/statements", json=make_statement())
    assert response.status == 200, await response.text()
    [statement_id] = await response.json()
    response = await xapi.get(f"/xapi/statements?statementId={statement_id}")
    assert response.status == 200
    body = await response.json()
    assert body["id"] == statement_id
    assert body["authority"]["account"]["name"] == "test-admin"
    response = await xapi.get("/xapi/statements")
    body = await response.json()
    assert [s["id"] for s in body["statements"]] == [statement_id]
