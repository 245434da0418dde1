module coreinspect.test/go-hello

go 1.23
