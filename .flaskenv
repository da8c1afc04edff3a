FLASK_APP=wsgi
APP_ENV=development
