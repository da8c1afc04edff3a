"""`flask users create --role liaison` needs a department, and names one that exists."""
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from tests import factories_referrals as fr

PASSWORD = "correct horse battery staple"


def test_a_liaison_is_created_for_a_named_department_only(app):
    with app.app_context():
        market = fr.department("市场监管").id
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["users", "create", "--role", "liaison", "--password", PASSWORD, "a"])
    assert missing.exit_code != 0 and "needs --department" in missing.output
    unknown = runner.invoke(args=["users", "create", "--role", "liaison", "--department", "无此部门",
                                  "--password", PASSWORD, "b"])
    assert unknown.exit_code != 0 and "no department named" in unknown.output
    made = runner.invoke(args=["users", "create", "--role", "liaison", "--department", "市场监管",
                               "--password", PASSWORD, "c"])
    assert made.exit_code == 0, made.output
    with app.app_context():
        users = {u.username: u.department_id for u in db.session.execute(select(User)).scalars()}
    assert users == {"c": market}
