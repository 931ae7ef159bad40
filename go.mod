module github.com/conform-wsgi/conform

go 1.26.8
