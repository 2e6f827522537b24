package bom

var été = "€"
