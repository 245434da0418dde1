module coreinspect.test/go-states

go 1.21
