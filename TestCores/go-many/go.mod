module coreinspect.test/go-many

go 1.19
