from flask import Blueprint

bp = Blueprint("rota", __name__, url_prefix="/rota")
