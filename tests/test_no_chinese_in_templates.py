"""Chinese on the pages comes from the catalogue, so that the English switch
shows English: a template holds Chinese only where it is meant to on every
page (the official forms printed for the parties, the centre's own names for
its services beside their English, the switch back to 中文). The statistics'
rate names were written in Chinese in the templates and stayed Chinese on
English pages."""
import re
from pathlib import Path

from tests import factories as f
from tests.factories import csrf, login

TEMPLATES = Path(__file__).resolve().parent.parent / "app" / "templates"
CHINESE = re.compile(r"[\u4e00-\u9fff]+")
COMMENT = re.compile(r"\{#.*?#\}", re.S)
# The printed forms are the official Chinese documents (人民调解协议书 and its kin) in either language.
CHINESE_DOCUMENTS = {"disputes/agreement_print.html", "disputes/oral_agreement_print.html",
                     "disputes/_print_parties.html"}
# Names the centre's users know the service by, kept beside the English; the language switch.
KEPT_WORDS = {"五老和事会", "中文"}


def test_templates_hold_chinese_only_in_the_printed_forms_and_the_centre_s_own_names():
    found = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if name in CHINESE_DOCUMENTS:
            continue
        words = set(CHINESE.findall(COMMENT.sub("", path.read_text(encoding="utf-8")))) - KEPT_WORDS
        if words:
            found[name] = sorted(words)
    assert found == {}


def test_the_statistics_and_the_map_name_their_rates_in_each_language(client, app):
    with app.app_context():
        street, _communities, _grids = f.org()
        supervisor = f.user("supervisor", street=street).username
    login(client, supervisor)
    chinese = client.get("/supervision/stats").get_data(as_text=True)
    assert all(name in chinese for name in ("调解成功率", "现场化解率", "化解率"))
    client.post("/language/en", data={"csrf_token": csrf(chinese), "next": "/supervision/stats"})
    for path in ("/supervision/stats", "/supervision/map", "/supervision/map?measure=on_spot_rate"):
        english = client.get(path)
        assert english.status_code == 200
        html = english.get_data(as_text=True)
        assert "On-the-spot resolution rate" in html and "现场化解率" not in html, path
    stats = client.get("/supervision/stats").get_data(as_text=True)
    assert "Mediation success rate" in stats and "Resolution rate" in stats and "调解成功率" not in stats
