module example.com/leakpool

go 1.22
