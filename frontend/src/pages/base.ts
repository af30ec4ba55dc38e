// Styles and behaviour every page shares.
import "../styles/base.css";
