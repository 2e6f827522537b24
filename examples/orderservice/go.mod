module example.com/orderservice

go 1.24
