# The size of the smallest image, stripped, against its bound.
script_test hello-size tests/boot/t-hello-size.sh
