import pytest

pytestmark = pytest.mark.django_db


def test_pages_are_norwegian_whatever_the_browser_asks_for(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "nb"
    assert "Logg inn" in response.content.decode()


def test_a_user_can_choose_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    response = client.get("/accounts/login/")
    assert response["Content-Language"] == "en"
    assert "Log in" in response.content.decode()
