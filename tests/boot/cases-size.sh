# The size of the smallest image, stripped, against its bound.
script_test hello-size tests/boot/t-hello-size.sh
# hello without its symbol table: a crash still ends the VM with a
# status and a backtrace, which tools/symbolize names; the tool names
# frames as the in-image table does.
script_test hello-crash tests/boot/t-hello-crash.sh
script_test symbolize tests/boot/t-symbolize.sh
