"""Plain-words explanations shown by Help > How it works."""

HOW_IT_WORKS = """
<h3>How MNIST CNN Studio works</h3>
<p><b>Data.</b> MNIST is 70,000 small pictures of handwritten digits (60,000 to learn from,
10,000 kept aside to test). Each is 28&times;28 grey pixels, white ink on black.</p>
<p><b>Train.</b> A convolutional neural network (CNN) looks at each picture through small
filters that learn to detect strokes and curves, then combines what they found to decide which
digit it is. Training shows it the pictures in <i>batches</i>; after each batch it nudges its
weights to make fewer mistakes. One pass over all training pictures is an <i>epoch</i>.
The <i>loss</i> measures how wrong it is (lower is better); <i>accuracy</i> is the share it
reads right. <i>Validation</i> pictures are held back from training to check that it
generalises rather than memorises.</p>
<p><b>Results.</b> The finished network reads the 10,000 test pictures. The confusion matrix
shows which digits it mixes up; click a cell to see those pictures.</p>
<p><b>Draw.</b> Draw a digit with the mouse: it is scaled and centred the way MNIST's digits
were, and the network reads it as you draw.</p>
<p><b>More help.</b> Open the <i>What is this?</i> panel (Help menu, the button at the bottom
right, or Shift+F1) and point at anything: it explains it in plain words, with pictures. In the
Train tab, click a layer of the network diagram to see what it does and what it learned.
Help &gt; Guided tour walks through the window again.</p>
"""
