module coreinspect.test/go-heap

go 1.19
