module coreinspect.test/go-cgo

go 1.22
