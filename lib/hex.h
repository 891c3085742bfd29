/*
 * hex.h --
 *	Hexadecimal digits, read by the gateway's token parser and the
 *	viewer's %XX decoding alike.
 */
#ifndef PINGSVC_HEX_H
#define PINGSVC_HEX_H

/* hex_digit -- The value of hexadecimal digit 'c' (either case), or -1. */
int hex_digit(int c);

#endif
