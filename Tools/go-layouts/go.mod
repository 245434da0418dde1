module coreinspect/tools/go-layouts

go 1.21
