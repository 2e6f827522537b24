module goconc.dev/tools/astdump

go 1.26
