#!/usr/bin/perl
# wellformed.pl FILE -- check that an HTML page of the viewer is well formed:
# one doctype, every element closed in order (HTML void elements and
# self-closed SVG elements excepted), attributes quoted, no stray '<' or
# '&' outside entities.  Prints the first problem and exits 1, or exits 0.
use strict;
use warnings;

my %void = map { $_ => 1 } qw(area base br col embed hr img input link meta
    source track wbr);
local $/;
my $f = shift or die "usage: wellformed.pl FILE\n";
open(my $fh, '<', $f) or die "$f: $!\n";
my $s = <$fh>;
close $fh;
$s =~ s/\A\s*<!DOCTYPE html>//i or fail("no <!DOCTYPE html>");
# <style> holds CSS, not markup.
$s =~ s{(<style>)(.*?)(</style>)}{$1$3}gs;
my @stack;
my $pos = 0;
while ($s =~ m{\G([^<]*)<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[A-Za-z_:][-A-Za-z0-9_:.]*(?:="[^"<]*"|='[^'<]*')?)*)\s*(/?)>}gc) {
	my ($text, $close, $tag, $attrs, $self) = ($1, $2, lc $3, $4, $5);
	check_text($text);
	if ($close) {
		my $top = pop @stack;
		fail("</$tag> closes <" . ($top // 'nothing') . ">")
		    unless defined $top && $top eq $tag;
	} elsif (!$self && !$void{$tag}) {
		push @stack, $tag;
	}
	$pos = pos($s);
}
my $rest = substr($s, $pos);
fail("malformed tag near: " . substr($rest, 0, 80)) if $rest =~ /</;
check_text($rest);
fail("unclosed: <" . join('> <', @stack) . ">") if @stack;
exit 0;

sub check_text {
	my ($t) = @_;
	fail("bare & in text near: " . substr($t, 0, 60))
	    if $t =~ /&(?!(?:[a-z]+|#[0-9]+|#x[0-9a-f]+);)/i;
	fail("stray > in text near: " . substr($t, 0, 60)) if $t =~ />/;
}

sub fail {
	print "# $f: $_[0]\n";
	exit 1;
}
