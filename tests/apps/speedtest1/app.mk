# SQLite's speedtest1 (test/speedtest1.c of Debian's source package
# sqlite3) over the amalgamation apps/sqlite3 generates, with its options
# (bench/blk.sh; tools/linux-build.sh builds the same for Linux).
#
#   run-qemu.sh --kernel build/speedtest1.elf --disk IMG --append "root=vda -- --size 5 /test.db"
KEEL_DRIVERS := virtio-rng virtio-blk

SPEED_SQLITE_DIR := $(shell tools/fetch-source.sh sqlite3)
ifeq ($(SPEED_SQLITE_DIR),)
$(error tests/apps/speedtest1: cannot fetch Debian's source package sqlite3 (tools/fetch-source.sh))
endif
SPEED_AMALG := $(BUILD)/sqlite3/src
SPEED_OBJ := $(BUILD)/speedtest1/src
APP_OBJS := $(SPEED_OBJ)/sqlite3.o $(SPEED_OBJ)/speedtest1.o

$(SPEED_AMALG)/sqlite3.c:
	$(Q)$(MAKE) -s APP=sqlite3 $@

SPEED_CFLAGS = $(filter-out -Werror -Os,$(APP_CFLAGS)) -O2 -w -I$(SPEED_AMALG) \
	-DSQLITE_THREADSAFE=0 -DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_OMIT_WAL \
	-DSQLITE_MAX_MMAP_SIZE=0 -DUSE_PREAD -DSQLITE_DEFAULT_MEMSTATUS=0

$(SPEED_OBJ)/sqlite3.o: $(SPEED_AMALG)/sqlite3.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(say) CC sqlite3/sqlite3.c
	$(Q)$(CC) $(SPEED_CFLAGS) -c $< -o $@

$(SPEED_OBJ)/speedtest1.o: $(SPEED_SQLITE_DIR)/test/speedtest1.c $(SPEED_AMALG)/sqlite3.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(say) CC sqlite3/test/speedtest1.c
	$(Q)$(CC) $(SPEED_CFLAGS) -c $< -o $@
