# tests/integration/tap.sh -- TAP helpers shared by the integration tests.
# Source it; then call ok/fails/is/like/skip for each test point and
# `done_testing` at the end, which prints the plan and sets the exit status.
# (prove reads only *.t files, so this file is never run as a test.)

n=0
failed=0

# ok STATUS DESCRIPTION -- one test point; STATUS 0 passes.
ok()
{
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

# fails STATUS DESCRIPTION -- passes when STATUS is not 0.
fails()
{
	[ "$1" -ne 0 ]
	ok $? "$2"
}

# is GOT WANT DESCRIPTION
is()
{
	[ "$1" = "$2" ]
	ok $? "$3"
	[ "$1" = "$2" ] || printf '#   got: %s\n# wanted: %s\n' "$1" "$2"
}

# like TEXT ERE DESCRIPTION
like()
{
	printf '%s\n' "$1" | grep -Eq -- "$2"
	ok $? "$3"
	printf '%s\n' "$1" | grep -Eq -- "$2" ||
		printf '#   %s\n# did not match /%s/\n' "$1" "$2"
}

# skip WHY -- a test point that could not run here, reported as skipped.
skip()
{
	n=$((n + 1))
	echo "ok $n # SKIP $1"
}

# done_testing -- print the plan; the exit status says whether all passed.
done_testing()
{
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
