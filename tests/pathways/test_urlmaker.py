from django.urls import reverse

from pathways.urlmaker import url_maker


def test_url_maker_gives_what_reverse_gives():
    plan = url_maker("pathways:plan", 1)
    done = url_maker("pathways:plan_measure_done", 2)
    assert plan(7) == reverse("pathways:plan", args=[7])
    assert done(12, 3456) == reverse("pathways:plan_measure_done", args=[12, 3456])


def test_url_maker_takes_only_integers():
    plan = url_maker("pathways:plan", 1)
    try:
        plan("../admin")
    except ValueError:
        pass
    else:
        raise AssertionError("a non-integer argument was put into the URL")
