# hello needs no devices: the smallest image.
KEEL_DRIVERS :=
