/*
 * priv.c --
 *	Privilege drop (see priv.h).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "priv.h"

/*
 * Empty the permitted, effective and inheritable sets with capset(2)
 * directly: lowering one's own capabilities needs no privilege and no
 * libcap.  The ambient set follows the permitted one.
 */
static int
drop_caps(void)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;
	return (int)syscall(SYS_capset, &hdr, data);
}

int
priv_drop(const char *user, struct errbuf *eb)
{
	struct passwd *pw;

	if (geteuid() == 0 || getuid() == 0) {
		errno = 0;
		if ((pw = getpwnam(user)) == NULL)
			return errbuf_set(eb,
			    "user \"%s\" does not exist (set 'user' in the "
			    "configuration)",
			    user);
		if (pw->pw_uid == 0)
			return errbuf_set(eb,
			    "user \"%s\" is root; name an unprivileged "
			    "user",
			    user);
		if (setgroups(1, &pw->pw_gid) == -1 ||
		    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
		    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
			return errbuf_set(eb, "cannot become \"%s\": %s", user,
			    strerror(errno));
		if (setuid(0) != -1 || seteuid(0) != -1)
			return errbuf_set(eb,
			    "could regain root after the "
			    "privilege drop");
	}
	if (drop_caps() == -1)
		return errbuf_set(eb, "capset: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return errbuf_set(eb, "no_new_privs: %s", strerror(errno));
	return 0;
}
