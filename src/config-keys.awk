# Turns `dragoman.fcgi --print-config-keys` (tab-separated: name, type,
# minimum, maximum, default, required, description) into the KEYS entries
# of dragoman.conf(5): one ".TP" / ".B name" entry per key, the
# description, then its type, range and default.
BEGIN { FS = "\t"; keys = 0 }

# Returns s as roff text: hyphens as \- (so names and URLs keep their
# ASCII minus), and a leading . or ' protected by \&.
function roff(s) {
	gsub(/-/, "\\-", s)
	if (s ~ /^[.']/)
		s = "\\&" s
	return s
}

NF != 7 || $1 !~ /^[a-z0-9_]+$/ || index($0, "\\") > 0 {
	print "config-keys.awk: line " NR " is not a key: " $0 > "/dev/stderr"
	bad = 1
	exit 1
}

{
	doc = toupper(substr($7, 1, 1)) substr($7, 2)
	if ($2 == "integer")
		what = "Integer from " $3 " to " $4
	else if ($2 == "boolean")
		what = "on or off"
	else
		what = "String"
	if ($6 == "required")
		what = what "; required."
	else if ($5 == "")
		what = what "; unset by default."
	else
		what = what "; default \\fB" roff($5) "\\fP."
	if ($2 == "boolean")
		what = toupper(substr(what, 1, 1)) substr(what, 2)
	print ".TP"
	print ".B " $1
	print roff(doc) "."
	print what
	keys++
}

END {
	if (!bad && keys == 0) {
		print "config-keys.awk: no keys" > "/dev/stderr"
		exit 1
	}
}
