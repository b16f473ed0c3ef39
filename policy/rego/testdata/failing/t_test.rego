package main_test

test_passes if {
	1 == 1
}

test_fails if {
	1 == 2
}
