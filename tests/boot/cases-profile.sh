# The sampling profiler (kernel/profiler.c): a busy loop in the
# application is the busiest function of the report printed at exit; the
# periodic report comes while the application sleeps; a bad rate is
# reported, not fatal.
boot_test profile-busy-loop 0 'keel: profiling at 1000 Hz' \
	'keel: profile at exit: [0-9]+ samples at 1000 Hz over [0-9.]+ s, 0 dropped, [0-9]+ functions, top 5:' \
	'keel: profile: +([5-9][0-9]|100)\.[0-9]% +[0-9]+  ktest_busy_loop$' 'keel: exit status 0' \
	-- --kernel "$K" --append "profile=1000 profile.top=5 -- busy 2000"
boot_test profile-periodic 0 'keel: profile: [0-9]+ samples at 200 Hz over 1\.[0-9]+ s' \
	'keel: profile at exit: ' 'keel: exit status 0' \
	-- --kernel "$K" --append "profile=200 profile.report=1 -- idle 3"
boot_test profile-bad-rate 0 'profile=fast is not a rate' '!keel: profile' 'keel: exit status 0' \
	-- --kernel "$K" --append "profile=fast -- exit 0"
script_test profile-sum tests/boot/t-profile-sum.sh
