# Plots for bench/lib/report.py: gnuplot -e "base='PATH'; nv=N; ns=N; np=N" plot.gnuplot
# Reads PATH-plot-{ratio,scale,prog}.dat (first row: column names), writes PATH-*.png.
set terminal pngcairo size 1000,520 noenhanced font "sans,10"
set key outside right top
set grid ytics

set output base.'-ratio.png'
set title 'Ratio vs direct (1.00 = direct; smaller is worse)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set yrange [0:*]
set ylabel 'ratio'
plot for [i=2:nv+1] base.'-plot-ratio.dat' using i:xtic(1) title columnheader(i)

set output base.'-scale.png'
set title 'New connections (req/s) with N other Services x 4 endpoints'
set style data linespoints
set logscale x
set xlabel 'other Services (N; 0 plotted at 1)'
set ylabel 'requests/s'
plot for [i=2:ns+1] base.'-plot-scale.dat' using 1:i title columnheader(i) lw 2

set output base.'-prog.png'
set title 'Programming N Services x 4 endpoints from scratch (node1)'
set logscale y
set xlabel 'Services (N)'
set ylabel 'seconds'
plot for [i=2:np+1] base.'-plot-prog.dat' using 1:i title columnheader(i) lw 2
