module coreinspect.test/go-grow

go 1.19
