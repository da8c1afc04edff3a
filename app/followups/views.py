from flask import Blueprint

bp = Blueprint("followups", __name__, url_prefix="/followups")
